// The Server-Sent Events reader every provider protocol shares
// (stages/api/playground/providers/sse_reader.h): line ends LF, CRLF and CR (a CR
// and its LF in different pieces), multi-line data, named events, comments,
// fields without a space or a value, a byte order mark, and an event left
// unfinished.
#include "stages/api/playground/providers/sse_reader.h"

#include <gtest/gtest.h>

namespace spanline::api::playground {
namespace {

std::vector<SseEvent> read_in_pieces(std::string_view stream, size_t piece) {
  SseReader reader;
  std::vector<SseEvent> events;
  for (size_t at = 0; at < stream.size(); at += piece) reader.feed(stream.substr(at, piece), events);
  return events;
}

std::vector<std::string> describe(const std::vector<SseEvent>& events) {
  std::vector<std::string> lines;
  for (const SseEvent& event : events) lines.push_back(event.event + "|" + event.data);
  return lines;
}

TEST(SseReader, EveryLineEndAndEverySplitGivesTheSameEvents) {
  const std::string lf = ": a comment\nevent: first\ndata: one\ndata:two\n\ndata: {\"x\": 1}\n\nevent: ping\ndata\n\n";
  const std::vector<std::string> expected = {"first|one\ntwo", "message|{\"x\": 1}", "ping|"};
  auto with_ends = [&](std::string_view end) {
    std::string text;
    for (const char c : lf) {
      if (c == '\n') {
        text.append(end);
      } else {
        text.push_back(c);
      }
    }
    return text;
  };
  for (const std::string& stream : {lf, with_ends("\r\n"), with_ends("\r")}) {
    for (size_t piece = 1; piece <= stream.size(); ++piece) {
      EXPECT_EQ(describe(read_in_pieces(stream, piece)), expected) << "piece " << piece;
    }
  }
}

TEST(SseReader, OnlyOneSpaceAfterTheColonIsDroppedAndUnknownFieldsAreIgnored) {
  const auto events = read_in_pieces("id: 7\nretry: 100\nfoo: bar\ndata:  two spaces\n\n", 1);
  EXPECT_EQ(describe(events), (std::vector<std::string>{"message| two spaces"}));
}

TEST(SseReader, ABlankLineWithoutDataDispatchesNothingAndResetsTheName) {
  const auto events = read_in_pieces("event: lonely\n\ndata: after\n\n", 2);
  EXPECT_EQ(describe(events), (std::vector<std::string>{"message|after"}));
}

TEST(SseReader, AByteOrderMarkAtTheStartIsDropped) {
  const auto events = read_in_pieces("\xEF\xBB\xBF" "data: x\n\n", 1);
  EXPECT_EQ(describe(events), (std::vector<std::string>{"message|x"}));
}

TEST(SseReader, SaysWhenTheBytesSoFarEndInsideAnEvent) {
  SseReader reader;
  std::vector<SseEvent> events;
  EXPECT_FALSE(reader.inside_event());
  reader.feed("data: a", events);
  EXPECT_TRUE(reader.inside_event());
  reader.feed("\n", events);
  EXPECT_TRUE(reader.inside_event()) << "a field without its blank line";
  reader.feed("\n", events);
  EXPECT_FALSE(reader.inside_event());
  EXPECT_EQ(describe(events), (std::vector<std::string>{"message|a"}));
}

TEST(SseReader, MultiByteCharactersCutAnywhereArriveWhole) {
  const std::string stream = "data: h\xC3\xA9llo \xE2\x98\x80\n\n";
  for (size_t piece = 1; piece <= 4; ++piece) {
    EXPECT_EQ(describe(read_in_pieces(stream, piece)), (std::vector<std::string>{"message|h\xC3\xA9llo \xE2\x98\x80"}));
  }
}

}  // namespace
}  // namespace spanline::api::playground
