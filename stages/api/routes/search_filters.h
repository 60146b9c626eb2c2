#pragma once
// The filters of a trace search read from a request (service, operation,
// window, durations, errors, attribute filters, full text; with paging, limit
// and cursor), as a query. The search route and the live tail take the same
// filters from here.

#include "stages/api/http/api_types.h"
#include "protocol/query/query_messages.h"

namespace spanline::api {

// The `attr` filters of a request (repeated, or joined by ';'), as the trace
// search reads them; the log search takes the same. 400s name the parameter.
Result<std::vector<protocol::query::AttributeFilter>> attribute_filters(const ApiRequest& request);

// 400s name the parameter; `with_paging` adds limit and cursor (the live tail takes neither).
Result<protocol::query::SearchQuery> search_filters(const ApiRequest& request, bool with_paging);

}  // namespace spanline::api
