using System.Collections.Immutable;
using Engram.LanguageServer.Protocol;

namespace Engram.LanguageServer.Documents;

/// <summary>
/// The open documents as an immutable map swapped atomically on each change.
/// </summary>
/// <remarks>
/// Writers (didOpen/didChange/didClose) are serialised by the host's in-order dispatch; the lock only guards against a
/// misbehaving caller. Readers take <see cref="Snapshot"/> and never block.
/// </remarks>
internal sealed class DocumentStore
{
    private readonly Lock _gate = new();
    private ImmutableDictionary<string, TextDocument> _documents = ImmutableDictionary.Create<string, TextDocument>(StringComparer.Ordinal);

    public ImmutableDictionary<string, TextDocument> Snapshot => Volatile.Read(ref _documents);

    public TextDocument? Get(string uri) => Snapshot.GetValueOrDefault(uri);

    public TextDocument Open(TextDocumentItem item)
    {
        var document = new TextDocument(item.Uri, item.LanguageId ?? "plaintext", item.Version, item.Text ?? "");
        lock (_gate)
        {
            _documents = _documents.SetItem(item.Uri, document);
        }

        return document;
    }

    /// <summary>Applies changes; null when the document is not open.</summary>
    public TextDocument? Change(string uri, int version, IReadOnlyList<TextDocumentContentChangeEvent> changes, PositionEncodingKind encoding)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(uri, out var current))
            {
                return null;
            }

            var next = current.Apply(version, changes, encoding);
            _documents = _documents.SetItem(uri, next);
            return next;
        }
    }

    public bool Close(string uri)
    {
        lock (_gate)
        {
            var before = _documents;
            _documents = _documents.Remove(uri);
            return before.Count != _documents.Count;
        }
    }
}
