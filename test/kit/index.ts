// The test toolkit: one of each fixture, shared by every suite (see README.md).
export { type KeyedSession, login, passwordOf, postJson, register, username } from './accounts.ts';
export {
  type ChildServer,
  runServerProcess,
  ServerProcess,
  type SpawnOptions,
  spawnServer,
} from './child-server.ts';
export { type Device, type DeviceEvents, type DeviceOptions, device, Harness } from './device.ts';
export { filesUnder } from './files.ts';
export { type HeldSend, holdFirstSend } from './held-send.ts';
export { marker } from './marker.ts';
export { type Network, network } from './network.ts';
export {
  DEPLOY_DIR,
  deployFile,
  deployToolsPresent,
  findExecutable,
  freePorts,
  type Nginx,
  type NginxOptions,
  readEnvFile,
  renderTemplate,
  selfSignedCertificate,
  startGuideNginx,
  startNginx,
} from './nginx.ts';
export { codeOf, failure } from './outcome.ts';
export { collectOutput, type ProcessOutput } from './process.ts';
export { Exposition, type Sample } from './prometheus.ts';
export {
  type FrameWait,
  openedContent,
  RawClient,
  sealedSend,
  sealedSendFrame,
  sendFrame,
} from './raw-client.ts';
export { type RecordedRequest, type RecordingProxy, recordingProxy } from './recording-proxy.ts';
export { redisAnswersPing } from './redis-ping.ts';
export {
  health,
  live,
  metrics,
  ready,
  type Scraped,
  sweptAfter,
  type TestServer,
  testServer,
} from './server.ts';
export { type TempDir, tempDir } from './temp-dir.ts';
export { isPending, sleep, type Truthy, WAIT_MS, type WaitOptions, WaitTimeout, waitFor } from './wait.ts';
