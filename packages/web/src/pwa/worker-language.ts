import { chooseLanguage, isLanguage, type Language } from '../i18n/language.ts';

// The language the app shows, for the service worker's notifications. The app keeps it in
// localStorage, which a worker cannot read, so the page also writes it here: a one-record
// IndexedDB database that page and worker share (same origin). Not Cache Storage, which holds
// the app shell and nothing else (docs/pwa.md).

const DB = 'cinder-worker';
const STORE = 'settings';
const KEY = 'language';

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Remember `language` for the worker (the page calls it at start and on every switch). */
export async function saveWorkerLanguage(language: Language): Promise<void> {
  const db = await open();
  try {
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      tx.objectStore(STORE).put(language, KEY);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/**
 * The language the app last saved for the worker; before the app ever saved one (or when
 * IndexedDB fails), the one the app would pick from the browser's languages.
 */
export async function workerLanguage(browser: readonly string[]): Promise<Language> {
  try {
    const db = await open();
    try {
      const saved = await new Promise<unknown>((resolve, reject) => {
        const request = db.transaction(STORE, 'readonly').objectStore(STORE).get(KEY);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      if (isLanguage(saved)) return saved;
    } finally {
      db.close();
    }
  } catch {
    // no IndexedDB: the browser's languages below
  }
  return chooseLanguage(null, browser);
}
