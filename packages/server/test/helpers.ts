import { waitFor } from '../../../test/kit/index.ts';

// The toolkit under the names the storage suites (sqlite-*, postgres-*, storage-*, bus-contract,
// burn-rules) import from here; other suites import test/kit directly.
export {
  health,
  login,
  postJson,
  RawClient,
  register,
  sendFrame,
  sleep,
  tempDir,
  testServer,
  username,
} from '../../../test/kit/index.ts';

/**
 * `waitFor` answering true once `check` holds, or false after `timeoutMs`, for suites that assert
 * on the outcome themselves. Polls every `everyMs`.
 */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  return waitFor(check, { timeout: timeoutMs, interval: everyMs }).then(
    () => true,
    () => false,
  );
}
