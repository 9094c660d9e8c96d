// Public entry of faultline's Toxiproxy-compatible proxy: the server the harness starts in-process,
// and the link helpers nemeses use through toxiproxy-node-client.
export { ProxyServer, StartedProxyServer, type ProxyServerOptions } from './server.ts';
export { VERSION } from './api.ts';
export { createLink, removeLinks, linkName, LinkHandle, BOTH, type LinkSpec, type FlakyOptions, type StreamChoice } from './links.ts';
export { TOXIC_TYPES, type ToxicType, type ProxyJson, type ToxicJson } from './schema.ts';
