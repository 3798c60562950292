using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Engram.LanguageServer.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace Engram.LanguageServer.Framing;

/// <summary>
/// Reads LSP base-protocol frames (<c>Content-Length</c> headers, UTF-8 JSON bodies) from the raw input, checks each
/// one, and forwards only well-formed JSON-RPC messages, re-framed canonically, to StreamJsonRpc's
/// <c>HeaderDelimitedMessageHandler</c>.
/// </summary>
/// <remarks>
/// Why: StreamJsonRpc ends the connection on a malformed header or an unparsable message, and a language server
/// must survive a bad frame. Here a malformed header is answered with ParseError (-32700, id null) and reading
/// resynchronises at the next <c>Content-Length</c> header; invalid JSON gets ParseError; JSON that is not a JSON-RPC
/// message (array/batch, wrong <c>jsonrpc</c>, bad <c>id</c> or <c>method</c>) gets InvalidRequest (-32600); a request whose
/// <c>params</c> is not an object or array gets InvalidParams (-32602); a body over the size limit is skipped without
/// buffering and answered with InvalidRequest. The lifecycle gate then decides per method (ServerNotInitialized
/// before <c>initialize</c>, InvalidRequest after <c>shutdown</c>). Errors are written through the same handler as
/// every response, so frames never interleave on the output. Single reader: one pump per connection.
/// </remarks>
internal sealed class MessagePump
{
    private const int MaxHeaderBytes = 8192;
    private static readonly byte[] s_headerEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_contentLength = "Content-Length"u8.ToArray();

    private readonly Stream _input;
    private readonly PipeWriter _forward;
    private readonly Func<JsonRpcError, Task> _sendError;
    private readonly Func<string, bool, MessageVerdict> _gate;
    private readonly long _maxMessageBytes;
    private readonly ILogger _logger;

    public MessagePump(Stream input, PipeWriter forward, Func<JsonRpcError, Task> sendError, Func<string, bool, MessageVerdict> gate, long maxMessageBytes, ILogger logger)
    {
        _input = input;
        _forward = forward;
        _sendError = sendError;
        _gate = gate;
        _maxMessageBytes = maxMessageBytes;
        _logger = logger;
    }

    /// <summary>Pumps until the input ends or <paramref name="cancellationToken"/> fires; then completes the forward pipe.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(_input, new StreamPipeReaderOptions(leaveOpen: true));
        try
        {
            long discard = 0;
            var resync = false;
            var pending = -1L;
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    if (discard > 0)
                    {
                        var skip = Math.Min(discard, buffer.Length);
                        buffer = buffer.Slice(skip);
                        discard -= skip;
                        if (discard > 0)
                        {
                            break;
                        }

                        continue;
                    }

                    if (resync)
                    {
                        var at = IndexOf(buffer, s_contentLength);
                        if (at < 0)
                        {
                            buffer = buffer.Slice(Math.Max(0, buffer.Length - (s_contentLength.Length - 1)));
                            break;
                        }

                        buffer = buffer.Slice(at);
                        resync = false;
                    }

                    if (pending < 0)
                    {
                        var end = IndexOf(buffer, s_headerEnd);
                        if (end < 0)
                        {
                            if (buffer.Length > MaxHeaderBytes)
                            {
                                await RejectAsync(LspErrorCodes.ParseError, "Malformed header: no header terminator within 8192 bytes.", default).ConfigureAwait(false);
                                buffer = buffer.Slice(1);
                                resync = true;
                                continue;
                            }

                            break;
                        }

                        var header = ParseHeader(buffer.Slice(0, end), out var error);
                        buffer = buffer.Slice(end + s_headerEnd.Length);
                        if (header is null)
                        {
                            await RejectAsync(LspErrorCodes.ParseError, "Malformed header: " + error, default).ConfigureAwait(false);
                            resync = true;
                            continue;
                        }

                        if (header.Value > _maxMessageBytes)
                        {
                            await RejectAsync(LspErrorCodes.InvalidRequest, $"Message of {header.Value} bytes exceeds the limit of {_maxMessageBytes} bytes; skipped.", default).ConfigureAwait(false);
                            discard = header.Value;
                            continue;
                        }

                        pending = header.Value;
                    }

                    if (buffer.Length < pending)
                    {
                        break;
                    }

                    var body = buffer.Slice(0, pending);
                    await HandleBodyAsync(body, cancellationToken).ConfigureAwait(false);
                    buffer = buffer.Slice(pending);
                    pending = -1;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException ex)
        {
            _logger.LogDebug("Input closed: {Message}", ex.Message);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await _forward.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleBodyAsync(ReadOnlySequence<byte> body, CancellationToken cancellationToken)
    {
        // JSON text is UTF-8 (RFC 8259 §8.1): a message with invalid bytes anywhere is unparsable, answered -32700
        // with a null id before anything reads a string out of it (reading one would throw and end the pump).
        if (!IsValidUtf8(body))
        {
            await RejectAsync(LspErrorCodes.ParseError, "Parse error: the message is not valid UTF-8.", default).ConfigureAwait(false);
            return;
        }

        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body);
            document = JsonDocument.ParseValue(ref reader);
            if (reader.BytesConsumed != body.Length && !IsWhitespace(body.Slice(reader.BytesConsumed)))
            {
                document.Dispose();
                await RejectAsync(LspErrorCodes.ParseError, "Parse error: trailing data after the JSON value.", default).ConfigureAwait(false);
                return;
            }
        }
        catch (JsonException ex)
        {
            await RejectAsync(LspErrorCodes.ParseError, "Parse error: " + ex.Message, default).ConfigureAwait(false);
            return;
        }

        using (document)
        {
            await CheckAndForwardAsync(document.RootElement, body, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsValidUtf8(ReadOnlySequence<byte> body) =>
        body.IsSingleSegment ? Utf8.IsValid(body.FirstSpan) : Utf8.IsValid(body.ToArray());

    /// <summary>The string value of <paramref name="element"/>, or null when it holds an escaped lone surrogate (\ud800), which no .NET string can carry.</summary>
    private static string? ReadString(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private async Task CheckAndForwardAsync(JsonElement root, ReadOnlySequence<byte> body, CancellationToken cancellationToken)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            await RejectAsync(LspErrorCodes.InvalidRequest, root.ValueKind == JsonValueKind.Array
                ? "Invalid request: batches are not part of LSP."
                : "Invalid request: a message must be a JSON object.", default).ConfigureAwait(false);
            return;
        }

        RequestId id = default;
        var hasId = root.TryGetProperty("id", out var idElement);
        if (hasId)
        {
            if (idElement.ValueKind == JsonValueKind.String)
            {
                if (ReadString(idElement) is not { } text)
                {
                    await RejectAsync(LspErrorCodes.InvalidRequest, "Invalid request: 'id' is not a valid Unicode string (a lone surrogate).", default).ConfigureAwait(false);
                    return;
                }

                id = new RequestId(text);
            }
            else if (idElement.ValueKind == JsonValueKind.Number && idElement.TryGetInt64(out var number))
            {
                id = new RequestId(number);
            }
            else if (idElement.ValueKind == JsonValueKind.Null)
            {
                id = RequestId.Null;
            }
            else
            {
                await RejectAsync(LspErrorCodes.InvalidRequest, "Invalid request: 'id' must be an integer or a string.", default).ConfigureAwait(false);
                return;
            }
        }

        if (!root.TryGetProperty("jsonrpc", out var version) || version.ValueKind != JsonValueKind.String || ReadString(version) != "2.0")
        {
            await RejectAsync(LspErrorCodes.InvalidRequest, "Invalid request: 'jsonrpc' must be \"2.0\".", id).ConfigureAwait(false);
            return;
        }

        if (!root.TryGetProperty("method", out var methodElement))
        {
            if (hasId && (root.TryGetProperty("result", out _) || root.TryGetProperty("error", out _)))
            {
                await ForwardAsync(body, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RejectAsync(LspErrorCodes.InvalidRequest, "Invalid request: no 'method', and not a response.", id).ConfigureAwait(false);
            }

            return;
        }

        if (methodElement.ValueKind != JsonValueKind.String || ReadString(methodElement) is not { Length: > 0 } method)
        {
            await RejectAsync(LspErrorCodes.InvalidRequest, "Invalid request: 'method' must be a non-empty string of valid Unicode.", id).ConfigureAwait(false);
            return;
        }

        var isRequest = hasId;
        if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
        {
            if (isRequest)
            {
                await RejectAsync(LspErrorCodes.InvalidParams, $"Invalid params for '{method}': 'params' must be an object or an array.", id).ConfigureAwait(false);
            }
            else
            {
                _logger.LogWarning("Dropped notification {Method}: 'params' is not an object or an array.", method);
            }

            return;
        }

        var verdict = _gate(method, isRequest);
        if (verdict.Forward)
        {
            await ForwardAsync(body, cancellationToken).ConfigureAwait(false);
        }
        else if (isRequest && verdict.ErrorCode is { } code)
        {
            await RejectAsync(code, verdict.ErrorMessage ?? "Rejected.", id).ConfigureAwait(false);
        }
        else
        {
            _logger.LogDebug("Dropped notification {Method} ({Reason}).", method, verdict.ErrorMessage ?? "not accepted now");
        }
    }

    private async Task ForwardAsync(ReadOnlySequence<byte> body, CancellationToken cancellationToken)
    {
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        _forward.Write(header);
        foreach (var segment in body)
        {
            _forward.Write(segment.Span);
        }

        await _forward.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RejectAsync(int code, string message, RequestId id)
    {
        _logger.LogWarning("Rejected a message: {Code} {Message}", code, message);
        var error = new JsonRpcError
        {
            RequestId = id.IsEmpty ? RequestId.Null : id,
            Error = new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)code, Message = message },
        };
        try
        {
            await _sendError(error).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or InvalidOperationException)
        {
            _logger.LogDebug("Could not send an error response: {Message}", ex.Message);
        }
    }

    /// <summary>The Content-Length of a header block, or null (with <paramref name="error"/>) when it is malformed.</summary>
    private static long? ParseHeader(ReadOnlySequence<byte> block, out string error)
    {
        var text = Encoding.ASCII.GetString(block.ToArray());
        long? length = null;
        foreach (var line in text.Split("\r\n"))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                error = $"header line '{Printable(line)}' is not 'Name: value'.";
                return null;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                {
                    error = $"Content-Length '{Printable(value)}' is not a non-negative integer.";
                    return null;
                }

                length = parsed;
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)
                && value.Contains("charset", StringComparison.OrdinalIgnoreCase)
                && !value.Contains("utf-8", StringComparison.OrdinalIgnoreCase)
                && !value.Contains("utf8", StringComparison.OrdinalIgnoreCase))
            {
                error = $"unsupported Content-Type '{Printable(value)}' (only utf-8).";
                return null;
            }
        }

        error = "no Content-Length header.";
        return length;
    }

    private static string Printable(string value)
    {
        var clipped = value.Length > 60 ? value[..60] + "…" : value;
        return new string(clipped.Select(c => char.IsControl(c) || c > 126 ? '?' : c).ToArray());
    }

    private static bool IsWhitespace(ReadOnlySequence<byte> rest)
    {
        foreach (var segment in rest)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static long IndexOf(ReadOnlySequence<byte> buffer, byte[] needle)
    {
        var reader = new SequenceReader<byte>(buffer);
        return reader.TryReadTo(out ReadOnlySequence<byte> before, needle, advancePastDelimiter: false) ? before.Length : -1;
    }
}
