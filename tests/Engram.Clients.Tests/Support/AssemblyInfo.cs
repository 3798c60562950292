// The editors, node and the server share two cores: one test at a time keeps timings honest and memory low.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
