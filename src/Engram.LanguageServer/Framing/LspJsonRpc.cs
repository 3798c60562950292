using System.Reflection;
using System.Text.Json;
using Engram.LanguageServer.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Engram.LanguageServer.Framing;

/// <summary>
/// StreamJsonRpc's <see cref="JsonRpc"/> with LSP error mapping: parameters that do not deserialize become
/// InvalidParams (-32602) instead of StreamJsonRpc's generic -32000, and unexpected exceptions become InternalError
/// (-32603) with the message only (no stack trace on the wire; it goes to the log).
/// </summary>
internal sealed class LspJsonRpc(IJsonRpcMessageHandler handler, ILogger logger) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var inner = exception is TargetInvocationException or AggregateException ? exception.InnerException ?? exception : exception;
        if (inner is LocalRpcException or OperationCanceledException)
        {
            return base.CreateErrorDetails(request, inner);
        }

        if (inner is JsonException or FormatException)
        {
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)LspErrorCodes.InvalidParams, Message = $"Invalid params for '{request.Method}': {inner.Message}" };
        }

        logger.LogError(inner, "'{Method}' failed", request.Method);
        return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)LspErrorCodes.InternalError, Message = $"'{request.Method}' failed: {inner.Message}" };
    }
}
