using Engram.Core.Chunking;
using static Engram.Core.Tests.Chunking.ChunkCheck;

namespace Engram.Core.Tests.Chunking;

public sealed class MarkdownChunkerTests
{
    [Fact]
    public void One_section_per_heading_outside_fenced_code()
    {
        Check("docs/README.md", """
            Intro text before headings.

            # Title

            Some text.

            ## Install ##

            ```bash
            # not a heading
            npm install
            ```

                # indented code, not a heading

            #hashtag is not a heading

            ### Usage
            Use it.
            ~~~
            # tilde fence
            ~~~
            #
            """, """
            1-1 section _
            3-5 section Title
            7-16 section Install
            18-22 section Usage
            23-23 section _
            """);
    }

    [Fact]
    public void Long_section_is_split_and_keeps_its_heading()
    {
        Check("docs/guide.markdown", """
            # Guide

            One.

            Two.
            Three.

            Four.
            """, """
            1-4 section Guide
              | # Guide
              |
              | One.
              |
            5-8 section Guide
              | Two.
              | Three.
              |
              | Four.
            """, new ChunkerOptions { MaxChunkLines = 4 }, withCode: true);
    }
}
