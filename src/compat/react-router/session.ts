/** react-router's session types and semantics: `get` consumes a flash value. */
export type SessionData = { [name: string]: any };
export type FlashSessionData<Data, FlashData> = Partial<Data & { [Key in keyof FlashData as `__flash_${Key & string}__`]: FlashData[Key] }>;

export interface Session<Data = SessionData, FlashData = Data> {
  readonly id: string;
  readonly data: FlashSessionData<Data, FlashData>;
  has(name: (keyof Data | keyof FlashData) & string): boolean;
  get<Key extends (keyof Data | keyof FlashData) & string>(
    name: Key,
  ): (Key extends keyof Data ? Data[Key] : undefined) | (Key extends keyof FlashData ? FlashData[Key] : undefined) | undefined;
  set<Key extends keyof Data & string>(name: Key, value: Data[Key]): void;
  flash<Key extends keyof FlashData & string>(name: Key, value: FlashData[Key]): void;
  unset(name: keyof Data & string): void;
}

const flashName = (name: string) => `__flash_${name}__`;

export function createSession<Data = SessionData, FlashData = Data>(
  initialData: Partial<Data> = {},
  id = "",
): Session<Data, FlashData> {
  const map = new Map<string, unknown>(Object.entries(initialData as object));
  return {
    get id() {
      return id;
    },
    get data() {
      return Object.fromEntries(map) as FlashSessionData<Data, FlashData>;
    },
    has(name) {
      return map.has(name) || map.has(flashName(name));
    },
    get(name) {
      if (map.has(name)) return map.get(name) as never;
      const key = flashName(name);
      if (map.has(key)) {
        const value = map.get(key);
        map.delete(key);
        return value as never;
      }
      return undefined;
    },
    set(name, value) {
      map.set(name, value);
    },
    flash(name, value) {
      map.set(flashName(name), value);
    },
    unset(name) {
      map.delete(name);
    },
  };
}

export function isSession(object: unknown): object is Session {
  const o = object as Session | null | undefined;
  return (
    o != null &&
    typeof o.id === "string" &&
    typeof o.data !== "undefined" &&
    typeof o.has === "function" &&
    typeof o.get === "function" &&
    typeof o.set === "function" &&
    typeof o.flash === "function" &&
    typeof o.unset === "function"
  );
}
