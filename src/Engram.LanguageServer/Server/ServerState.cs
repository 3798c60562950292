namespace Engram.LanguageServer.Server;

/// <summary>Lifecycle of one connection (LSP 3.17 "Lifecycle Messages").</summary>
internal enum ServerState
{
    /// <summary>Before <c>initialize</c>: requests get ServerNotInitialized (-32002), notifications are dropped (exit excepted).</summary>
    Uninitialized,

    /// <summary>After the <c>initialize</c> response: everything is served.</summary>
    Initialized,

    /// <summary>After <c>shutdown</c>: requests get InvalidRequest (-32600); only <c>exit</c> matters.</summary>
    ShutDown,
}
