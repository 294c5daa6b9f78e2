// The deployment guide's files as the programs that read them see them: systemd the unit,
// the server the environment files, and the timeouts of nginx.conf against the server's ping.
// nginx-cluster.test.ts runs nginx.conf and cinder-node.env for real.
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseServerArgs, SERVER_FLAGS } from '@cinder/server';
import { describe, expect, it } from 'vitest';
import {
  deployFile,
  deployToolsPresent,
  findExecutable,
  readEnvFile,
  tempDir,
} from '../../../test/kit/index.ts';
import { resolveConfig } from '../src/config.ts';

const run = promisify(execFile);
const KNOWN: ReadonlySet<string> = new Set(Object.values(SERVER_FLAGS).map((flag) => flag.env));

describe('deployment guide: environment files and nginx timeouts', () => {
  it('sets only server variables in the environment files, with values the server accepts', () => {
    for (const name of ['cinder.env', 'cinder-node.env']) {
      const env = readEnvFile(deployFile(name));
      expect(Object.keys(env).filter((key) => !KNOWN.has(key))).toEqual([]);
      expect(() => resolveConfig(parseServerArgs([], env))).not.toThrow();
    }
    // One node: SQLite in the state directory, behind nginx on the same machine.
    const single = parseServerArgs([], readEnvFile(deployFile('cinder.env')));
    expect(single).toMatchObject({ host: '127.0.0.1', dataDir: '/var/lib/cinder', trustProxy: 1 });
    expect(single.databaseUrl).toBeUndefined();
    // A cluster node: PostgreSQL and Redis under a cluster's schema and prefix, a pool size.
    const node = parseServerArgs([], readEnvFile(deployFile('cinder-node.env')));
    expect(node).toMatchObject({
      databaseSchema: 'cinder',
      redisPrefix: 'prod:',
      databasePoolSize: 10,
      trustProxy: 1,
    });
    expect(node.databaseUrl).toMatch(/^postgres:\/\/.*application_name=/);
    expect(node.redisUrl).toMatch(/^redis:\/\//);
  });

  it('keeps nginx waiting on a quiet WebSocket longer than twice the server’s ping interval', () => {
    const conf = deployFile('nginx.conf');
    const heartbeatSeconds = resolveConfig({}).heartbeatMs / 1000;
    for (const directive of ['proxy_read_timeout', 'proxy_send_timeout']) {
      const seconds = Number(new RegExp(`^\\s*${directive} (\\d+)s;`, 'm').exec(conf)?.[1]);
      // A node late by a whole interval under load must not lose its sockets to nginx.
      expect(seconds, directive).toBeGreaterThanOrEqual(2 * heartbeatSeconds);
    }
  });
});

const UNIT_SUITE = 'deployment guide: the systemd unit';

if (await deployToolsPresent(UNIT_SUITE, ['systemd-analyze'])) {
  describe(UNIT_SUITE, () => {
    it('passes systemd-analyze verify without a warning, and sets what the guide promises', async () => {
      let unit = deployFile('cinder.service');
      // The unit names /usr/bin/npm (NodeSource and Debian put it there); where this machine
      // has it elsewhere, point there, since verify checks that the program exists.
      const execStart = /^ExecStart=(\S+)/m.exec(unit)?.[1] ?? '';
      const program = execStart.split('/').pop() ?? '';
      const here = findExecutable(program);
      if (!existsSync(execStart) && here) unit = unit.replace(`ExecStart=${execStart}`, `ExecStart=${here}`);
      using dir = tempDir('cinder-unit-');
      const path = join(dir.path, 'cinder.service');
      writeFileSync(path, unit);
      const { stdout, stderr } = await run('systemd-analyze', ['verify', path]);
      expect(`${stdout}${stderr}`).toBe('');

      const settings = readEnvFile(unit.replace(/^\[.*\]$/gm, ''));
      expect(settings).toMatchObject({
        User: 'cinder',
        EnvironmentFile: '/etc/cinder/cinder.env',
        Restart: 'on-failure',
        StateDirectory: 'cinder',
        StateDirectoryMode: '0700',
      });
      expect(Number(settings.LimitNOFILE)).toBeGreaterThanOrEqual(65_536);
      // The data directory the environment files name is the state directory systemd makes.
      for (const name of ['cinder.env', 'cinder-node.env']) {
        expect(readEnvFile(deployFile(name)).CINDER_DATA_DIR).toBe(`/var/lib/${settings.StateDirectory}`);
      }
    });
  });
}
