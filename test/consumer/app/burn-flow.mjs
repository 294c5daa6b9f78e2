// The burn round trip every consumer check runs: Alice sends a burn message, Bob gets it sealed,
// opens it once (the second open is refused as BURNED), and Alice hears it burned. Resolves with
// what was observed; the checks compare it.
export async function burnFlow(sdk, { url, tag, store }) {
  const alice = new sdk.CinderClient({ url, ...(store ? { store: store() } : {}) });
  const bob = new sdk.CinderClient({ url, ...(store ? { store: store() } : {}) });
  try {
    await alice.register(`alice-${tag}`, 'a-long-password-for-alice');
    await bob.register(`bob-${tag}`, 'a-long-password-for-bob');
    const arrived = new Promise((resolve) => bob.on('message', resolve));
    const burned = new Promise((resolve) => alice.on('burned', resolve));
    const secret = `consumer secret ${tag}`;
    await alice.send(`bob-${tag}`, secret, { burn: true });
    const message = await arrived;
    const opened = await bob.open(message.id);
    let second = 'opened twice';
    try {
      await bob.open(message.id);
    } catch (error) {
      second = error instanceof sdk.CinderError ? error.code : String(error);
    }
    const burn = await burned;
    return {
      sealed: message.text === undefined,
      opened: opened.text === secret,
      second,
      reason: burn.reason,
    };
  } finally {
    await alice.close();
    await bob.close();
  }
}
