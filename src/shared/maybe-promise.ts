/**
 * A value that may already be at hand. The graph's relation resolvers return one: the executor
 * completes a plain value on the spot, while every promise costs it an extra turn of the
 * microtask queue and a wrapper object per field, thousands of times in a list of 1,000 users.
 */
export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** `next(value)`, at once when the value is at hand, else once it arrives. */
export function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isPromise(value) ? value.then(next) : next(value);
}

/** All values, as a plain array when every one is at hand. */
export function allOf<T>(values: MaybePromise<T>[]): MaybePromise<T[]> {
  return values.some(isPromise) ? Promise.all(values) : (values as T[]);
}
