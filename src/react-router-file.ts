// `tessera-session/react-router/file`: react-router's file session storage (Node only: it reads and writes files).
export { createFileSessionStorage } from "./compat/react-router/file.js";
