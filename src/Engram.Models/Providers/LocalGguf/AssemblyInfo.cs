using System.Runtime.CompilerServices;

// The LocalGguf tests check load counts and stop-sequence buffering, which are internal.
[assembly: InternalsVisibleTo("Engram.Models.Tests")]
