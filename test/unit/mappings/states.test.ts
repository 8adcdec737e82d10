/**
 * The mapping state machine (api.md §6): the state each call moves to, which calls each
 * state refuses, and what a transitional state settles to.
 */
import { describe, expect, it } from 'vitest';
import type { MappingState } from '../../../src/mappings/model.js';
import { canDelete, isTransitional, settledState, stateAfterCreate, stateAfterUpdate, transitionalStates } from '../../../src/mappings/states.js';

const all: MappingState[] = ['Creating', 'Enabling', 'Enabled', 'Disabling', 'Disabled', 'Updating', 'Deleting'];

describe('mapping states', () => {
  it('the transitional states are exactly Creating, Enabling, Disabling, Updating, Deleting', () => {
    expect(transitionalStates).toEqual(['Creating', 'Enabling', 'Disabling', 'Updating', 'Deleting']);
    expect(all.filter(isTransitional)).toEqual(['Creating', 'Enabling', 'Disabling', 'Updating', 'Deleting']);
  });

  it('Create starts in Creating when enabled, Disabled when not', () => {
    expect(stateAfterCreate(true)).toBe('Creating');
    expect(stateAfterCreate(false)).toBe('Disabled');
  });

  it('Update of a Disabled mapping: Enabling only with Enabled: true, else Updating', () => {
    expect(stateAfterUpdate('Disabled', true)).toBe('Enabling');
    expect(stateAfterUpdate('Disabled', false)).toBe('Updating');
    expect(stateAfterUpdate('Disabled', undefined)).toBe('Updating');
  });

  it('Update of an Enabled mapping: Disabling only with Enabled: false, else Updating', () => {
    expect(stateAfterUpdate('Enabled', false)).toBe('Disabling');
    expect(stateAfterUpdate('Enabled', true)).toBe('Updating');
    expect(stateAfterUpdate('Enabled', undefined)).toBe('Updating');
  });

  it('Update is refused (undefined, V44) in every transitional state', () => {
    for (const state of transitionalStates) {
      expect(stateAfterUpdate(state, true)).toBeUndefined();
      expect(stateAfterUpdate(state, false)).toBeUndefined();
    }
  });

  it('Delete is allowed in Enabled, Disabled and (again) Deleting only', () => {
    expect(all.filter(canDelete)).toEqual(['Enabled', 'Disabled', 'Deleting']);
  });

  it('each transitional state settles as the supervisor leaves it', () => {
    expect(settledState('Creating', false)).toBe('Enabled');
    expect(settledState('Enabling', false)).toBe('Enabled');
    expect(settledState('Disabling', true)).toBe('Disabled');
    expect(settledState('Updating', true)).toBe('Enabled');
    expect(settledState('Updating', false)).toBe('Disabled');
    expect(settledState('Deleting', true)).toBe('removed');
  });

  it('a settled state stays as it is', () => {
    expect(settledState('Enabled', false)).toBe('Enabled');
    expect(settledState('Disabled', true)).toBe('Disabled');
  });
});
