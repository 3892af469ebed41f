/** The public sources the report cites, by what they are. */
export const sources = {
  article:
    "https://www.docker.com/blog/image-rebase-and-improved-remote-cache-support-in-new-buildkit/",
  thread: "https://github.com/docker/buildx/issues/1099",
  userRepo: "https://github.com/davidwallacejackson/buildkit-merge-test",
  dockerfile2llb:
    "https://github.com/moby/buildkit/blob/master/frontend/dockerfile/dockerfile2llb/convert.go",
  graph: "https://github.com/moby/buildkit/blob/master/client/graph.go",
  progressui: "https://github.com/moby/buildkit/tree/master/util/progress/progressui",
  mergeOpDisabled: "https://github.com/moby/moby/issues/45111",
  nonPrefixCache: "https://github.com/moby/buildkit/issues/2501",
  rawjson: "https://docs.docker.com/reference/cli/docker/buildx/build/#progress",
} as const;
