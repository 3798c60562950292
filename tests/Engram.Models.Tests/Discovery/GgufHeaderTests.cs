using System.Text;
using Engram.Models.Discovery;

namespace Engram.Models.Tests.Discovery;

public sealed class GgufHeaderTests
{
    [Fact]
    public void Reads_the_real_stories260K_header()
    {
        var header = GgufHeader.Read(TestModels.Stories260K);

        Assert.Equal("llama", header.Architecture);
        Assert.Equal(3u, header.Version);
        Assert.Equal(512ul, header.VocabularySize);
        Assert.False(header.HasFimTokens);
        Assert.NotNull(header.ContextLength);
        Assert.True(header.TensorCount > 0);
        Assert.Equal(
            "llama",
            header.Metadata["general.architecture"]);
    }

    [Fact]
    public void Reads_every_value_type_and_stops_at_the_end_of_the_metadata()
    {
        var bytes = new GgufBuilder()
            .Add("u8", GgufValueType.UInt8, w => w.Write((byte)200))
            .Add("i8", GgufValueType.Int8, w => w.Write((sbyte)-5))
            .Add("u16", GgufValueType.UInt16, w => w.Write((ushort)60000))
            .Add("i16", GgufValueType.Int16, w => w.Write((short)-300))
            .UInt32("u32", 4_000_000_000)
            .Add("i32", GgufValueType.Int32, w => w.Write(-70000))
            .Add("f32", GgufValueType.Float32, w => w.Write(1.5f))
            .Add("bool", GgufValueType.Bool, w => w.Write((byte)1))
            .String("str", "héllo")
            .Add("u64", GgufValueType.UInt64, w => w.Write(ulong.MaxValue))
            .Add("i64", GgufValueType.Int64, w => w.Write(long.MinValue))
            .Add("f64", GgufValueType.Float64, w => w.Write(-2.25))
            .Add("floats", GgufValueType.Array, w =>
            {
                w.Write((uint)GgufValueType.Float32);
                w.Write(3ul);
                w.Write(1f);
                w.Write(2f);
                w.Write(3f);
            })
            .Add("nested", GgufValueType.Array, w =>
            {
                w.Write((uint)GgufValueType.Array);
                w.Write(2ul);
                w.Write((uint)GgufValueType.UInt16);
                w.Write(1ul);
                w.Write((ushort)7);
                w.Write((uint)GgufValueType.String);
                w.Write(1ul);
                GgufBuilder.WriteString(w, "x");
            })
            .StringArray("tokenizer.ggml.tokens", "a", "b")
            .Build();
        var withTensorInfo = bytes.Concat(Encoding.ASCII.GetBytes("TENSORS")).ToArray();
        using var stream = new MemoryStream(withTensorInfo);

        var header = GgufHeader.Read(stream);

        var expected = new Dictionary<string, object>
        {
            ["u8"] = (byte)200,
            ["i8"] = (sbyte)-5,
            ["u16"] = (ushort)60000,
            ["i16"] = (short)-300,
            ["u32"] = 4_000_000_000u,
            ["i32"] = -70000,
            ["f32"] = 1.5f,
            ["bool"] = true,
            ["str"] = "héllo",
            ["u64"] = ulong.MaxValue,
            ["i64"] = long.MinValue,
            ["f64"] = -2.25,
            ["floats"] = new GgufArray(GgufValueType.Float32, 3),
            ["nested"] = new GgufArray(GgufValueType.Array, 2),
            ["tokenizer.ggml.tokens"] = new GgufArray(GgufValueType.String, 2),
        };
        Assert.Equal(expected.OrderBy(p => p.Key), header.Metadata.OrderBy(p => p.Key));
        Assert.Equal(bytes.Length, stream.Position);
        Assert.Equal(2ul, header.VocabularySize);
    }

    [Fact]
    public void Exposes_the_well_known_keys()
    {
        var bytes = new GgufBuilder()
            .String("general.architecture", "qwen2")
            .String("general.name", "Qwen2.5 Coder 0.5B Instruct")
            .String("general.size_label", "0.5B")
            .UInt32("general.file_type", 15)
            .UInt32("qwen2.context_length", 32768)
            .UInt32("qwen2.embedding_length", 896)
            .UInt32("qwen2.block_count", 24)
            .Build();

        var header = GgufHeader.Read(new MemoryStream(bytes));

        Assert.Equal(
            ("qwen2", "Qwen2.5 Coder 0.5B Instruct", "0.5B", (uint?)15, "Q4_K_M", (ulong?)32768, (ulong?)896, (ulong?)24, (ulong?)null),
            (header.Architecture, header.Name, header.SizeLabel, header.FileType, header.Quantization, header.ContextLength,
                header.EmbeddingLength, header.BlockCount, header.VocabularySize));
    }

    [Theory]
    [InlineData(0u, "F32")]
    [InlineData(1u, "F16")]
    [InlineData(2u, "Q4_0")]
    [InlineData(7u, "Q8_0")]
    [InlineData(15u, "Q4_K_M")]
    [InlineData(17u, "Q5_K_M")]
    [InlineData(18u, "Q6_K")]
    [InlineData(30u, "IQ4_XS")]
    [InlineData(32u, "BF16")]
    [InlineData(1024u + 15u, "Q4_K_M")]
    [InlineData(5u, "unknown(5)")]
    [InlineData(999u, "unknown(999)")]
    public void Maps_file_types_to_llama_cpp_names(uint fileType, string expected) =>
        Assert.Equal(expected, GgufFileTypes.GetName(fileType));

    [Theory]
    [InlineData(new[] { "a", "<|fim_prefix|>", "<|fim_suffix|>" }, "<|fim_prefix|>")]
    [InlineData(new[] { "<fim_prefix>", "b" }, "<fim_prefix>")]
    [InlineData(new[] { "a", "b", "<PRE>" }, "<PRE>")]
    [InlineData(new[] { "\u2581<PRE>" }, "\u2581<PRE>")]
    [InlineData(new[] { "a", "<|fim_prefix", "fim_prefix", "<pre>" }, null)]
    public void Finds_FIM_tokens_in_the_vocabulary(string[] tokens, string? expected)
    {
        var bytes = new GgufBuilder().StringArray("tokenizer.ggml.tokens", tokens).Build();

        var header = GgufHeader.Read(new NonSeekableStream(bytes));

        Assert.Equal((expected, expected is not null), (header.FimPrefixToken, header.HasFimTokens));
    }

    [Fact]
    public void Ignores_FIM_tokens_outside_the_token_array()
    {
        var bytes = new GgufBuilder().StringArray("tokenizer.ggml.merges", "<|fim_prefix|>").String("x", "<PRE>").Build();

        Assert.False(GgufHeader.Read(new MemoryStream(bytes)).HasFimTokens);
    }

    [Fact]
    public void Skips_metadata_strings_too_long_to_keep()
    {
        var bytes = new GgufBuilder()
            .String("tokenizer.chat_template", new string('x', GgufHeader.MaxMetadataStringBytes + 1))
            .String("general.architecture", "llama")
            .Build();

        var header = GgufHeader.Read(new NonSeekableStream(bytes));

        Assert.False(header.Metadata.ContainsKey("tokenizer.chat_template"));
        Assert.Equal("llama", header.Architecture);
    }

    [Theory]
    [InlineData("GGML", 3u, "byte offset 0: bad magic")]
    [InlineData("GGUF", 1u, "byte offset 4: unsupported GGUF version 1")]
    [InlineData("GGUF", 0x03000000u, "big-endian")]
    public void Rejects_a_bad_magic_or_version(string magic, uint version, string expected)
    {
        var bytes = new GgufBuilder().Build(version, magic);

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(new MemoryStream(bytes), "fake.gguf"));

        Assert.StartsWith("fake.gguf: invalid GGUF at ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Every_truncation_is_an_InvalidDataException_with_an_offset()
    {
        var bytes = new GgufBuilder()
            .String("general.architecture", "llama")
            .UInt32("general.file_type", 7)
            .Add("f", GgufValueType.Array, w =>
            {
                w.Write((uint)GgufValueType.UInt64);
                w.Write(2ul);
                w.Write(1ul);
                w.Write(2ul);
            })
            .StringArray("tokenizer.ggml.tokens", "<s>", "<|fim_prefix|>")
            .Build();

        for (var length = 0; length < bytes.Length; length++)
        {
            var cut = bytes[..length];
            foreach (var stream in new Stream[] { new MemoryStream(cut), new NonSeekableStream(cut) })
            {
                var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(stream, "cut.gguf"));
                Assert.Matches(@"^cut\.gguf: invalid GGUF at byte offset \d+: ", error.Message);
            }
        }
    }

    [Theory]
    [InlineData(GgufValueType.Array, "array of 1152921504606846976 UInt64 values")]
    [InlineData(GgufValueType.String, "string of 1152921504606846976 bytes")]
    public void Rejects_absurd_lengths_without_allocating(GgufValueType type, string expected)
    {
        var bytes = new GgufBuilder().Add("k", type, w =>
        {
            if (type == GgufValueType.Array)
            {
                w.Write((uint)GgufValueType.UInt64);
            }

            w.Write(1ul << 60);
        }).Build();

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(new MemoryStream(bytes)));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Rejects_an_unknown_value_type_at_its_offset()
    {
        var bytes = new GgufBuilder().Add("k", (GgufValueType)13, _ => { }).Build();

        var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(new MemoryStream(bytes)));

        // 24-byte header, then 8 + 1 bytes of key: the type starts at 33.
        Assert.Contains("byte offset 33: unknown value type 13", error.Message);
    }

    [Fact]
    public void Errors_from_a_path_name_the_file()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("engram-gguf-").FullName, "broken.gguf");
        try
        {
            File.WriteAllBytes(path, new GgufBuilder().String("general.architecture", "llama").Build()[..30]);

            var error = Assert.Throws<InvalidDataException>(() => GgufHeader.Read(path));

            Assert.StartsWith($"{path}: invalid GGUF at byte offset ", error.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }
}
