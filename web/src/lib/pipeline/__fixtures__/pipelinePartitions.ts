// The partitions part of a GET /api/v1/pipeline answer, as the api builds it
// (stages/api/directory/partition_map.h): two WALs, one with an indexer group's
// assignment, replicas in every state, one silent, one static indexer, one
// partition nobody holds. Typed by the generated schema, so it cannot drift.
import type { PartitionStatus } from '../pipelineView';

export const partitions: PartitionStatus[] = [
  {
    partition: 0,
    wal: 'wal-a',
    epoch: 3,
    head: 120,
    moves: 1,
    replicas: [
      { instance: 'ix-a', state: 'ready', alive: true, lag_seconds: 1.5, committed: 118 },
      { instance: 'ix-c', state: 'leaving', alive: true, lag_seconds: 0.4, committed: 119 },
      { instance: 'ix-b', state: 'building', alive: true, lag_seconds: 0.1, committed: 50 },
    ],
  },
  { partition: 1, wal: 'wal-a', epoch: 1, head: 7, moves: 0, replicas: [{ instance: 'ix-d', state: 'ready', alive: false, lag_seconds: 0.2, committed: 7 }] },
  {
    partition: 2,
    wal: 'wal-b',
    epoch: null,
    head: null,
    moves: null,
    replicas: [{ instance: 'ix-static', state: 'ready', alive: true, lag_seconds: null, committed: null }],
  },
  { partition: 3, wal: null, epoch: null, head: null, moves: null, replicas: [] },
];
