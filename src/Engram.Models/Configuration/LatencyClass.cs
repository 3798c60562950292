namespace Engram.Models.Configuration;

/// <summary>A coarse latency class (<c>fast</c>, <c>medium</c>, <c>slow</c>); lower sorts first when routing.</summary>
public enum LatencyClass
{
    /// <summary>Interactive: suitable for the typing path (<c>fast</c>).</summary>
    Fast,

    /// <summary>Seconds (<c>medium</c>); the default.</summary>
    Medium,

    /// <summary>Tens of seconds or more (<c>slow</c>).</summary>
    Slow,
}
