/** How the comments panel reaches the workspace's live comments glue (provide/inject). */
import type { InjectionKey } from 'vue';
import type { LiveCommentsHandle } from '@/composables/useLiveComments';

export const LIVE_COMMENTS: InjectionKey<LiveCommentsHandle> = Symbol('live comments');
