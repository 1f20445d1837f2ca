// `tessera-session/file`: sessions on disk (Node only).
export { createFileSessionStorage, type FileSessionStorageOptions } from "./lib/storages/file.js";
export { FileStore, type FileStoreOptions } from "./lib/stores/file.js";
