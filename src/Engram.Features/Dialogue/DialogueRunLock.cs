namespace Engram.Features.Dialogue;

/// <summary>
/// An exclusive claim on running one dialogue, held by any process (or request) that runs its turns: a lock file
/// <c>DATABASE.locks/ID.lock</c> opened with <see cref="FileShare.None"/> (an OS file lock, released when the handle
/// closes — also when the process is killed), so two resumes of one dialogue never run turns side by side.
/// </summary>
internal sealed class DialogueRunLock : IDisposable
{
    private readonly FileStream _stream;

    private DialogueRunLock(FileStream stream) => _stream = stream;

    /// <summary>Claims dialogue <paramref name="id"/> of the database at <paramref name="databasePath"/>.</summary>
    /// <exception cref="InvalidOperationException">Another process or request is running that dialogue now.</exception>
    public static DialogueRunLock Acquire(string databasePath, string id)
    {
        var folder = databasePath + ".locks";
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, id + ".lock");
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return new DialogueRunLock(stream);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"Dialogue {id} is already running in this or another process; wait for it to end, or stop that process and resume it.", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
