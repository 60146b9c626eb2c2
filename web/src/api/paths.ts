// The api paths of the pages' main answers, named once: the page fetches them,
// and the app starts the same fetch before the page's code has arrived
// (App's route table, api/prefetch).

export const traceApiPath = (traceId: string) => `/api/v1/traces/${traceId}`;
export const workflowApiPath = (traceId: string, spanId: string) => `/api/v1/workflows/${traceId}/${spanId}`;
export const agentRunApiPath = (traceId: string, spanId: string) => `/api/v1/agents/${traceId}/${spanId}`;
