import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Recording state of {@link useVoiceRecorder}. */
export type RecorderState =
  | { phase: 'idle' }
  /** Waiting for the microphone (the permission prompt, the device starting). */
  | { phase: 'starting' }
  | { phase: 'recording'; startedAt: number };

/** What {@link useVoiceRecorder} gives the mic button. */
export interface VoiceRecorder {
  state: RecorderState;
  /** Why the last recording could not start; null once a new one starts. */
  error: string | null;
  /** Start recording (press). */
  start: () => void;
  /** Stop: `send` hands the recording to `onRecorded`; otherwise it is thrown away. */
  stop: (send: boolean) => void;
}

/** One press of the button: the microphone, the recorder, and (once released) send or not. */
interface Recording {
  recorder?: MediaRecorder;
  stream?: MediaStream;
  stopAs?: boolean;
}

/** Container types to try, best first; the first the browser records is used. */
const TYPES = ['audio/webm;codecs=opus', 'audio/webm', 'audio/ogg;codecs=opus', 'audio/mp4'];
/** A press shorter than this is a tap, not a recording: nothing is sent. */
const MIN_MS = 400;

function recorderType(): string {
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
}

/**
 * Hold-to-record voice notes with MediaRecorder. The audio stays in memory until it is handed to
 * `onRecorded` as a `File` (`audio/webm` in Chromium and Firefox, `audio/mp4` in Safari); the
 * microphone is released as soon as recording stops.
 */
export function useVoiceRecorder(onRecorded: (file: File) => void): VoiceRecorder {
  const { i18n } = useTranslation();
  const [state, setState] = useState<RecorderState>({ phase: 'idle' });
  const [error, setError] = useState<string | null>(null);
  const session = useRef<Recording | null>(null);
  const deliver = useRef(onRecorded);
  deliver.current = onRecorded;

  const release = useCallback(() => {
    for (const track of session.current?.stream?.getTracks() ?? []) track.stop();
    session.current = null;
    setState({ phase: 'idle' });
  }, []);

  const stop = useCallback(
    (send: boolean) => {
      const current = session.current;
      // The first decision wins: a release (send) followed by the pointer leaving is still a send.
      if (!current || current.stopAs !== undefined) return;
      if (!current.recorder) {
        // Released before the microphone started: stop as soon as it does.
        current.stopAs = false;
        return;
      }
      current.stopAs = send;
      if (current.recorder.state !== 'inactive') current.recorder.stop();
      else release();
    },
    [release],
  );

  const start = useCallback(() => {
    if (session.current) return;
    if (typeof MediaRecorder === 'undefined' || !navigator.mediaDevices?.getUserMedia) {
      setError(i18n.t('voice.unsupported'));
      return;
    }
    const current: Recording = {};
    session.current = current;
    setError(null);
    setState({ phase: 'starting' });
    navigator.mediaDevices.getUserMedia({ audio: true }).then(
      (stream) => {
        current.stream = stream;
        if (session.current !== current || current.stopAs !== undefined) {
          for (const track of stream.getTracks()) track.stop();
          if (session.current === current) release();
          return;
        }
        const type = recorderType();
        const recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
        current.recorder = recorder;
        const chunks: Blob[] = [];
        const startedAt = Date.now();
        recorder.ondataavailable = (event) => {
          if (event.data.size > 0) chunks.push(event.data);
        };
        recorder.onstop = () => {
          const long = Date.now() - startedAt >= MIN_MS;
          const send = current.stopAs === true;
          release();
          if (!send) return;
          if (!long) {
            setError(i18n.t('voice.tooShort'));
            return;
          }
          const blobType = (recorder.mimeType || type || 'audio/webm').split(';')[0] ?? 'audio/webm';
          const extension = blobType === 'audio/mp4' ? 'm4a' : (blobType.split('/')[1] ?? 'webm');
          const file = new File(chunks, `voice-note-${stamp(startedAt)}.${extension}`, { type: blobType });
          if (file.size > 0) deliver.current(file);
        };
        recorder.start(250);
        setState({ phase: 'recording', startedAt });
      },
      (reason: unknown) => {
        release();
        const denied = reason instanceof DOMException && reason.name === 'NotAllowedError';
        setError(denied ? i18n.t('voice.denied') : i18n.t('voice.failed'));
      },
    );
  }, [release, i18n]);

  // Leaving the conversation mid-recording throws the recording away and frees the microphone.
  useEffect(
    () => () => {
      const current = session.current;
      if (!current) return;
      current.stopAs = false;
      if (current.recorder && current.recorder.state !== 'inactive') current.recorder.stop();
      for (const track of current.stream?.getTracks() ?? []) track.stop();
      session.current = null;
    },
    [],
  );

  return { state, error, start, stop };
}

function stamp(at: number): string {
  return new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}
