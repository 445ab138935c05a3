/** The services one server instance is built from, handed to each transport. Built in server.ts. */
import type { ActivityLog } from './activity/log.js';
import type { MentionService } from './activity/mentions.js';
import type { AdminService } from './admin/service.js';
import type { AccessControl } from './auth/access.js';
import type { LoginThrottle } from './auth/login-throttle.js';
import type { RateLimiter } from './auth/rate-limiter.js';
import type { TokenService } from './auth/tokens.js';
import type { ChatService } from './chat/service.js';
import type { LiveCommentService } from './comments/service.js';
import type { Config } from './config/index.js';
import type { Logger } from './log/index.js';
import type { Metrics } from './metrics/index.js';
import type { Connection } from './ot/docs.js';
import type { GitpadBackend } from './ot/index.js';
import type { LiveClients } from './ports/live-clients.js';
import type { SearchService } from './search/service.js';
import type { SessionService } from './sessions/service.js';
import type { Store } from './storage/types.js';
import type { FileHistoryService } from './versions/file-history.js';
import type { ImportService } from './versions/import.js';
import type { PushService } from './versions/push.js';
import type { VersionService } from './versions/service.js';
import type { CommitWorker } from './versions/worker.js';

export interface Services {
  config: Config;
  logger: Logger;
  /** This server's own metrics registry (`GET /metrics`). */
  metrics: Metrics;
  store: Store;
  tokens: TokenService;
  access: AccessControl;
  backend: GitpadBackend;
  /** The server's own ShareDB connection (trusted). */
  conn: Connection;
  sessions: SessionService;
  chat: ChatService;
  /** Comment threads on the live text of files. */
  liveComments: LiveCommentService;
  worker: CommitWorker;
  versions: VersionService;
  /** One file's versions and blame (versions/file-history.ts). */
  fileHistory: FileHistoryService;
  /** `git push` applied to the live session (versions/push.ts). */
  push: PushService;
  /** Uploads of raw files and zip imports (text documents and binary blobs). */
  imports: ImportService;
  /** Search and replace across a session's live files. */
  search: SearchService;
  /** What happened to people's work, per session (GET …/activity). */
  activity: ActivityLog;
  /** @mentions in chat and comments, per user. */
  mentions: MentionService;
  /** Accounts, sessions and disk use for the admin page. */
  admin: AdminService;
  limiters: {
    /** Password checks by web login, password change and git Basic auth alike. */
    login: LoginThrottle;
    registerPerIp: RateLimiter;
  };
  /** People connected now (socket.io rooms): how every service and route reaches them. */
  live: LiveClients;
}
