/**
 * The shape of wahook's state machines as data (deliveries, inbox rows, circuit breakers): a table
 * of moves, each from a state on an event to a state, and one check that looks a move up in it.
 * Each table sits with the prose on its states (deliver/delivery-states.ts, inbox/states.ts,
 * deliver/circuit.ts); the table is the rule, and the SQL or code that moves a row follows it.
 */
export interface Move<S extends string, E extends string> {
  readonly from: S;
  readonly on: E;
  readonly to: S;
}

/** A move of a durable state machine, with why it happens (the tables double as documentation). */
export interface Transition<S extends string, E extends string> extends Move<S, E> {
  readonly why: string;
}

/** The state a `what` in `from` moves to on `on`; throws for a move the table does not allow. */
export function checkMove<S extends string, E extends string>(
  table: readonly Move<S, E>[],
  what: string,
  from: S,
  on: E,
): S {
  const move = table.find((entry) => entry.from === from && entry.on === on);
  if (!move) throw new Error(`a ${from} ${what} cannot move on ${on}`);
  return move.to;
}
