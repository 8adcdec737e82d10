/**
 * The state machine of api.md §6: what each call moves a mapping to, and what a
 * transitional state settles to once the supervisor has done the work.
 */
import type { MappingState } from './model.js';

export const transitionalStates: readonly MappingState[] = ['Creating', 'Enabling', 'Disabling', 'Updating', 'Deleting'];
export const isTransitional = (state: MappingState): boolean => transitionalStates.includes(state);

/** State right after Create. */
export const stateAfterCreate = (enabled: boolean): MappingState => (enabled ? 'Creating' : 'Disabled');

/**
 * State right after an Update, or undefined when the current state forbids updates (V44).
 * `enabledInBody` is the body's `Enabled` member when present.
 */
export function stateAfterUpdate(current: MappingState, enabledInBody: boolean | undefined): MappingState | undefined {
  if (current === 'Disabled') return enabledInBody === true ? 'Enabling' : 'Updating';
  if (current === 'Enabled') return enabledInBody === false ? 'Disabling' : 'Updating';
  return undefined;
}

/** Whether Delete is allowed in this state (Deleting again answers 202, chosen). */
export const canDelete = (state: MappingState): boolean => state === 'Enabled' || state === 'Disabled' || state === 'Deleting';

/** What a transitional state settles to; `removed` for Deleting. */
export function settledState(state: MappingState, enabled: boolean): MappingState | 'removed' {
  switch (state) {
    case 'Creating':
    case 'Enabling':
      return 'Enabled';
    case 'Disabling':
      return 'Disabled';
    case 'Updating':
      return enabled ? 'Enabled' : 'Disabled';
    case 'Deleting':
      return 'removed';
    default:
      return state;
  }
}
