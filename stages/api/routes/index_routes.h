#pragma once
// The routes answered from the index: services, operations, trace search, a
// trace, a span, workflow runs and one run, LLM usage. Each validates its
// parameters (400 naming the bad one), turns them into an indexer query, fans
// it out to the partitions it needs and merges the answers. Every answer that
// came from several partitions says whether it is complete ("partial",
// "missing_partitions"); 503 when no partition answered at all.

#include <cstdint>
#include <string>
#include <vector>

#include "stages/api/config/api_config.h"
#include "stages/api/directory/stage_directory.h"
#include "stages/api/http/api_types.h"
#include "stages/api/http/query_params.h"
#include "stages/api/query/indexer_fanout.h"
#include "protocol/query/query_messages.h"

namespace spanline::api {

class IndexRoutes {
 public:
  IndexRoutes(const ApiConfig& config, const StageDirectory& directory, IndexerFanout& fanout)
      : config_(config), directory_(directory), fanout_(fanout) {}

  ApiReply services(const ApiRequest& request);
  ApiReply operations(const ApiRequest& request, const std::string& service);
  ApiReply search(const ApiRequest& request);
  ApiReply trace(const ApiRequest& request, const std::string& trace_id);
  ApiReply span(const ApiRequest& request, const std::string& trace_id, const std::string& span_id);
  ApiReply workflows(const ApiRequest& request);
  ApiReply workflow(const ApiRequest& request, const std::string& trace_id, const std::string& span_id);
  ApiReply llm_usage(const ApiRequest& request);

  // The filters of a trace search as a query; shared with the live tail.
  Result<protocol::query::SearchQuery> search_filters(const ApiRequest& request, bool with_paging) const;
  std::vector<uint32_t> all_partitions() const;
  IndexerFanout& fanout() { return fanout_; }

 private:
  uint32_t partition_count() const;
  // Ids from a path, checked and lower-cased, with the partition holding the trace.
  struct Location {
    std::string trace, span;
    uint32_t partition = 0;
  };
  Result<Location> locate(const ApiRequest& request, const std::string& trace_id, const std::string* span_id) const;

  const ApiConfig& config_;
  const StageDirectory& directory_;
  IndexerFanout& fanout_;
};

// The state after each step of a run: RFC 6902 patches applied in order to the
// start state. A patch that does not apply is reported on its step and the
// state carries on unchanged.
json replay_state_changes(const json& start_state, const json& changes);

}  // namespace spanline::api
