/**
 * SIGTERM / SIGINT handling for long-running commands: the first signal asks for a graceful
 * stop, bounded by a deadline; a second signal, or the deadline passing, exits at once.
 */

/** Exit codes for a forced exit, by the shell's convention (128 + signal number). */
const SIGNAL_EXIT_CODES: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

export interface StopSignalsOptions {
  /** Called once, on the first signal: start stopping. */
  onStop(signal: NodeJS.Signals): void;
  /** Called when stopping did not finish in time, or on a second signal. Must exit. */
  onForce(reason: string, exitCode: number): void;
  /** How long a graceful stop may take after the first signal. */
  timeoutMs: number;
  /** The signals to listen to. @defaultValue ["SIGTERM", "SIGINT"] */
  signals?: readonly NodeJS.Signals[];
}

/** Installs the handlers; dispose the result once stopped to remove them and the deadline. */
export function handleStopSignals(options: StopSignalsOptions): Disposable {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.onForce(`received ${signal} again`, SIGNAL_EXIT_CODES[signal] ?? 1);
      return;
    }
    stopping = true;
    deadline = setTimeout(
      () => options.onForce(`did not stop within ${options.timeoutMs} ms`, 1),
      options.timeoutMs,
    );
    // The deadline alone must not keep the process alive once everything else has closed.
    deadline.unref();
    options.onStop(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    [Symbol.dispose]() {
      for (const signal of signals) process.off(signal, onSignal);
      if (deadline !== undefined) clearTimeout(deadline);
    },
  };
}
