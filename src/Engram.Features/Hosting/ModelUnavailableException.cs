using Engram.Models.Configuration;

namespace Engram.Features.Hosting;

/// <summary>
/// A model-backed feature was asked for while no configured model can serve its task. The message says how to fix
/// it (configure a model in <c>engram.json</c> or run <c>engram models pull</c>).
/// </summary>
public sealed class ModelUnavailableException : Exception
{
    /// <summary>Creates the exception for <paramref name="task"/>.</summary>
    public ModelUnavailableException(ModelTask task)
        : base($"No model is configured for '{ConfigNames.ToJsonName(task)}'. Add one to ~/.config/engram/engram.json (a workspace's .engram/engram.json counts once the folder is trusted: engram trust PATH), or run 'engram models pull' to download a local GGUF model.")
    {
        Task = task;
    }

    /// <summary>The task that had no model.</summary>
    public ModelTask Task { get; }
}
