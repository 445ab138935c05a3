/** How this server can be reached, for the clone command (`GET /api/server-info`). */
import { request } from './http';

export interface ServerInfo {
  /** `http` or `https`, as the server saw this request. */
  protocol: string;
  /** The Host header the page was opened with, e.g. `localhost:3000`. */
  requestHost: string;
  port: string;
  /** Addresses of the server's network interfaces (IPv6 in brackets); empty on loopback only. */
  lanAddresses: string[];
}

export const serverInfoApi = {
  get: () => request<ServerInfo>('GET', '/api/server-info'),
};
