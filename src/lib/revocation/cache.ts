/** A generation as this process last heard it from the revocation store, or made it. */
export interface Heard {
  generation: number;
  /** When it was heard, in milliseconds. */
  at: number;
  /** Above 0 when this process raised it (the raise's turn): an answer asked before it is older. */
  turn: number;
}

/**
 * The generations this process heard, at most `size` of them: past that the
 * one heard longest ago goes (a Map keeps insertion order, and every answer is
 * put back at the end), so memory stays bounded however many users there are.
 */
export class GenerationCache {
  readonly #heard = new Map<string, Heard>();

  constructor(private readonly size: number) {}

  get(key: string): Heard | undefined {
    return this.#heard.get(key);
  }

  put(key: string, generation: number, at: number, turn = 0): void {
    const heard = this.#heard;
    heard.delete(key);
    if (heard.size >= this.size) heard.delete(heard.keys().next().value!);
    heard.set(key, { generation, at, turn });
  }
}
