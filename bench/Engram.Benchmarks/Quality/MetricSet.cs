namespace Engram.Benchmarks.Quality;

/// <summary>Retrieval quality of one system on one corpus; every value is a mean over queries in [0, 1].</summary>
/// <param name="Queries">Number of queries evaluated.</param>
/// <param name="Mrr10">Mean reciprocal rank of the first relevant hit within the top 10 (0 when none).</param>
/// <param name="Recall1">Share of queries whose first hit is relevant.</param>
/// <param name="Recall10">Share of queries with a relevant hit in the top 10.</param>
/// <param name="Ndcg10">nDCG@10 with binary gains, counting the first relevant hit only (ideal DCG = 1).</param>
internal sealed record MetricSet(int Queries, double Mrr10, double Recall1, double Recall10, double Ndcg10);
