import { describe, expect, it } from 'vitest';
import { parseDuration, parseServerArgs, startServer } from '../src/index.ts';
import { runServerProcess } from './child-server.ts';

describe('parseServerArgs', () => {
  it('reads flags and environment, flags winning', () => {
    expect(
      parseServerArgs(
        [
          '--port',
          '9000',
          '--max-ttl',
          '1h',
          '--tombstone-retention=2d',
          '--max-frame-bytes',
          '128k',
          '--log-level',
          'debug',
        ],
        { CINDER_PORT: '7000', CINDER_HOST: '0.0.0.0', CINDER_DATA_DIR: '/tmp/somewhere' },
      ),
    ).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/tmp/somewhere',
      maxTtlSeconds: 3600,
      tombstoneRetentionSeconds: 172_800,
      maxFrameBytes: 131_072,
      logLevel: 'debug',
    });
    expect(parseServerArgs([], { CINDER_PORT: '7000', CINDER_MAX_TTL: '10s' })).toEqual({
      port: 7000,
      maxTtlSeconds: 10,
    });
    expect(parseServerArgs([], {})).toEqual({});
  });

  it('rejects unknown flags and bad values with clear messages', () => {
    expect(() => parseServerArgs(['--nope'], {})).toThrow(/nope/);
    expect(() => parseServerArgs(['--port', 'eighty'], {})).toThrow(/port/i);
    expect(() => parseServerArgs(['--max-ttl', '3 weeks'], {})).toThrow(/duration/i);
    expect(() => parseServerArgs(['--log-level', 'loud'], {})).toThrow(/log level/i);
  });

  it('parses durations', () => {
    expect(parseDuration('30')).toBe(30);
    expect(parseDuration('10s')).toBe(10);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('30d')).toBe(2_592_000);
    expect(() => parseDuration('-1')).toThrow();
  });

  it('fails fast on --database-url and --redis-url until they are built', async () => {
    await expect(startServer({ databaseUrl: 'postgres://x' })).rejects.toThrow(/PostgreSQL.*not built yet/);
    await expect(startServer({ redisUrl: 'redis://x' })).rejects.toThrow(/Redis.*not built yet/);
    const run = await runServerProcess(['--database-url', 'postgres://localhost/cinder']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PostgreSQL.*not built yet/);
    const env = await runServerProcess([], { CINDER_REDIS_URL: 'redis://localhost' });
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/Redis.*not built yet/);
  });
});
