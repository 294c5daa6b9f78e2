import { describe, expect, it } from 'vitest';
import { parseDuration, parseServerArgs, startServer } from '../src/index.ts';
import { runServerProcess } from './child-server.ts';
import { tempDir } from './helpers.ts';

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

  it('fails clearly, without echoing passwords, when PostgreSQL or Redis cannot be reached', async () => {
    await expect(
      startServer({ databaseUrl: 'postgres://cinder:s3cret@127.0.0.1:1/cinder', logLevel: 'silent' }),
    ).rejects.toThrow(/^Cannot open PostgreSQL at 127\.0\.0\.1:1\/cinder: .*ECONNREFUSED/);
    const run = await runServerProcess(['--database-url', 'postgres://cinder:s3cret@127.0.0.1:1/cinder']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Cannot open PostgreSQL at 127\.0\.0\.1:1\/cinder/);
    // Redis is connected after the storage opens: SQLite, in a temp dir.
    const dir = tempDir();
    const env = await runServerProcess(['--data-dir', dir.path], {
      CINDER_REDIS_URL: 'redis://:s3cret@127.0.0.1:1',
    });
    dir.remove();
    expect(env.code).toBe(1);
    expect(env.stderr).toMatch(/Cannot connect to Redis at 127\.0\.0\.1:1: ECONNREFUSED/);
    expect(run.stderr + run.stdout + env.stderr + env.stdout).not.toContain('s3cret');
  });
});
