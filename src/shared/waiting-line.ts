/** A place in a `WaitingLine`: what it holds and when it was taken. */
export interface Place<T> {
  readonly value: T;
  readonly since: number;
}

interface Node<T> extends Place<T> {
  older: Node<T> | undefined;
  newer: Node<T> | undefined;
  removed: boolean;
}

/**
 * Those waiting for a turn, oldest to newest, where a turn may go to either end and anyone may
 * leave from the middle, each in constant time (an array's `splice` would cost a scan of thousands
 * of waiters per departure under overload).
 */
export class WaitingLine<T> {
  private oldestNode: Node<T> | undefined;
  private newestNode: Node<T> | undefined;
  private count = 0;

  get length(): number {
    return this.count;
  }

  /** The place that has waited longest, still in line. */
  get oldest(): Place<T> | undefined {
    return this.oldestNode;
  }

  join(value: T, since: number): Place<T> {
    const node: Node<T> = { value, since, older: this.newestNode, newer: undefined, removed: false };
    if (this.newestNode) this.newestNode.newer = node;
    else this.oldestNode = node;
    this.newestNode = node;
    this.count += 1;
    return node;
  }

  /** Takes the oldest or the newest place out of the line. */
  take(end: 'oldest' | 'newest'): Place<T> | undefined {
    const node = end === 'oldest' ? this.oldestNode : this.newestNode;
    if (node) this.leave(node);
    return node;
  }

  /** Takes `place` out of the line; nothing when it has already left. */
  leave(place: Place<T>): void {
    const node = place as Node<T>;
    if (node.removed) return;
    node.removed = true;
    if (node.older) node.older.newer = node.newer;
    else this.oldestNode = node.newer;
    if (node.newer) node.newer.older = node.older;
    else this.newestNode = node.older;
    node.older = node.newer = undefined;
    this.count -= 1;
  }
}
