/** How this server can be reached, for the clone command (`GET /api/server-info`). */
import { request } from './http';

export interface ServerInfo {
  /** `http` or `https`: whether the server itself speaks TLS. */
  protocol: string;
  /** The port the server answered on. */
  port: string;
  /** `PUBLIC_URL` (e.g. `https://gitpad.lan`) when the server has one: the address to give others. */
  publicUrl: string | null;
  /** Addresses of the server's network interfaces (IPv6 in brackets); empty on loopback only. */
  lanAddresses: string[];
}

export const serverInfoApi = {
  get: () => request<ServerInfo>('GET', '/api/server-info'),
};
