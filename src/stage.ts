/**
 * A background part of the pipeline (processing, delivery) as the server composes it: a loop it
 * starts, and a stop that finishes the work in hand. Routes are not stages: app.ts lists them all.
 */
export interface Stage {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}
