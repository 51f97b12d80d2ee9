import { Writable } from 'node:stream';
import { createLogger, toLogFunction } from '../../../linear-adapter/service/create-logger';

function capture(): { lines: Array<Record<string, unknown>>; destination: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      callback();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes one JSON line per entry with an ISO time, the level by name and msg', () => {
    const { lines, destination } = capture();
    createLogger({ level: 'info', destination }).warn({ deliveryId: 'd-1' }, 'webhook rejected');
    expect(lines).toEqual([
      { level: 'warn', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), service: 'scopekeeper', deliveryId: 'd-1', msg: 'webhook rejected' },
    ]);
  });

  it('leaves out entries below the configured level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'warn', destination });
    logger.info('listening');
    logger.error('database unavailable');
    expect(lines.map((line) => line.msg)).toEqual(['database unavailable']);
  });
});

describe('toLogFunction', () => {
  it('logs a plain entry at its own level, info when it names none', () => {
    const { lines, destination } = capture();
    const log = toLogFunction(createLogger({ level: 'debug', destination }));
    log({ level: 'error', msg: 'send failed', actionId: 'act-1' });
    log({ msg: 'would send', shadow: true });
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'send failed', actionId: 'act-1' }),
      expect.objectContaining({ level: 'info', msg: 'would send', shadow: true }),
    ]);
  });
});
