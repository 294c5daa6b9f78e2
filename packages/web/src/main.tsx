// First: zod must be configured before any schema exists (see the module).
import './zod-jitless.ts';
import { CinderClient, IndexedDbStore } from '@cinder/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import { App } from './app.tsx';
import { createPageI18n } from './i18n/setup.ts';
import { deviceName } from './session/device-name.ts';
import { IdbNoticeStore } from './session/notice-store.ts';
import { SessionController } from './session/session-controller.ts';
import { TabLock } from './session/tab-lock.ts';
import './styles/index.css';

// The language first: the device name given at sign-in is worded in it.
const i18n = createPageI18n();

// One IndexedDB database per browser profile: the saved device, its cursor and its messages.
// Opened burn text never goes there; it lives in React state only. Key-change notices have a
// database of their own ("cinder-notices"), next to the SDK's.
const session = new SessionController(
  () =>
    new CinderClient({
      url: window.location.origin,
      store: new IndexedDbStore('cinder'),
      deviceName: deviceName(i18n.t),
    }),
  new TabLock('cinder-active-tab'),
  typeof indexedDB === 'undefined' ? null : new IdbNoticeStore('cinder-notices'),
);
void session.start();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <App session={session} />
      </I18nextProvider>
    </StrictMode>,
  );
}
