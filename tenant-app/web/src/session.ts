import { ApiClient, createUserSession } from '@kg/web-ui';

/** The staff app's one API client and session (access token in memory only). */
export const api = new ApiClient();
export const session = createUserSession(api);
