/** Delivery error classification (src/destinations/errors.ts): the codes and words a failed delivery reports. */
import { describe, expect, it } from 'vitest';
import {
  DestinationDeliveryError,
  DestinationErrorCode,
  deliveryErrorCode,
  deliveryErrorMessage,
  destinationProblem,
} from '../../../src/destinations/errors.js';

describe('destination errors', () => {
  it('LastProcessingResult names the error code in api.md §6.2 words', () => {
    expect(destinationProblem('QueueDoesNotExist')).toBe('PROBLEM: Error sending to on-failure destination: QueueDoesNotExist');
  });

  it("Sluice's own refusals keep their code, message and permanence", () => {
    const error = new DestinationDeliveryError(DestinationErrorCode.FifoNotSupported, 'FIFO queues are not supported', true);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message, error.permanent]).toEqual(['DestinationDeliveryError', 'FifoDestinationNotSupported', 'FIFO queues are not supported', true]);
    expect(deliveryErrorCode(error)).toBe('FifoDestinationNotSupported');
  });

  it('the stable codes', () => {
    expect(DestinationErrorCode).toEqual({
      FifoNotSupported: 'FifoDestinationNotSupported',
      UnsupportedType: 'UnsupportedDestinationType',
      S3NotConfigured: 'S3DestinationNotConfigured',
      S3PayloadMissing: 'S3PayloadMissing',
      InvalidResponse: 'InvalidDestinationResponse',
    });
  });

  it('a network failure gives its system code; an SDK error its name; anything else UnknownError', () => {
    expect(deliveryErrorCode(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(deliveryErrorCode(Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist', $metadata: {} }))).toBe('QueueDoesNotExist');
    expect(deliveryErrorCode('boom')).toBe('UnknownError');
  });

  it('the message of an Error, or the thrown value as text', () => {
    expect(deliveryErrorMessage(new Error('denied'))).toBe('denied');
    expect(deliveryErrorMessage('plain text')).toBe('plain text');
    expect(deliveryErrorMessage(42)).toBe('42');
  });
});
