import { describe, expect, it } from 'vitest';
import { resolveHandlerRef } from '../../../src/targets/handler-ref.js';

describe('resolveHandlerRef', () => {
  it('resolves the path against the base directory', () => {
    expect(resolveHandlerRef('./handlers/orders.js#handler', '/srv/app')).toEqual({
      moduleUrl: 'file:///srv/app/handlers/orders.js',
      exportName: 'handler',
      ref: './handlers/orders.js#handler',
    });
    expect(resolveHandlerRef('../shared/x.mjs#run', '/srv/app').moduleUrl).toBe('file:///srv/shared/x.mjs');
  });

  it('keeps absolute paths and escapes what a URL needs', () => {
    expect(resolveHandlerRef('/opt/my handlers/a#b.cjs#main', '/srv').moduleUrl).toBe('file:///opt/my%20handlers/a%23b.cjs');
  });

  it.each(['handler.js', '#handler', 'handler.js#'])('refuses %j', (ref) => {
    expect(() => resolveHandlerRef(ref, '/srv')).toThrow(/path\/to\/handler\.js#exportName/);
  });
});
