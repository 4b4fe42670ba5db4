// idOrderList.ts — buffer ids kept in the order they were made available, with O(1) removal anywhere.

import { int32s, uint8s } from './ringSlab.js';

/** Intrusive doubly linked list over ids 0..capacity-1 (no allocation after construction). */
export class IdOrderList {
  /** Successor of each id in availability order, -1 at the back. */
  private readonly nextId: Int32Array;
  /** Predecessor of each id in availability order, -1 at the front. */
  private readonly prevId: Int32Array;
  /** 1 while the id is in the list. */
  private readonly member: Uint8Array;
  /** Oldest id in the list, -1 when empty. */
  private head = -1;
  /** Newest id in the list, -1 when empty. */
  private tail = -1;
  /** Number of ids in the list. */
  private size = 0;

  constructor(capacity: number) {
    this.nextId = int32s(capacity).fill(-1);
    this.prevId = int32s(capacity).fill(-1);
    this.member = uint8s(capacity);
  }

  get front(): number {
    return this.head;
  }

  get count(): number {
    return this.size;
  }

  has(id: number): boolean {
    return this.member[id] === 1;
  }

  /** Append `id` (the caller guarantees it is not already in the list). */
  pushBack(id: number): void {
    this.member[id] = 1;
    this.prevId[id] = this.tail;
    this.nextId[id] = -1;
    if (this.tail >= 0) this.nextId[this.tail] = id;
    else this.head = id;
    this.tail = id;
    this.size++;
  }

  /** Remove `id` wherever it is (the caller guarantees it is in the list). */
  unlink(id: number): void {
    const p = this.prevId[id]!;
    const n = this.nextId[id]!;
    if (p >= 0) this.nextId[p] = n;
    else this.head = n;
    if (n >= 0) this.prevId[n] = p;
    else this.tail = p;
    this.member[id] = 0;
    this.size--;
  }

  /** Ids from oldest to newest (allocates; for diagnostics and tests). */
  toArray(): number[] {
    const out: number[] = [];
    for (let id = this.head; id >= 0; id = this.nextId[id]!) out.push(id);
    return out;
  }

  clear(): void {
    for (let id = this.head; id >= 0; ) {
      const n = this.nextId[id]!;
      this.member[id] = 0;
      id = n;
    }
    this.head = -1;
    this.tail = -1;
    this.size = 0;
  }
}
