"""The engine computes a repeated layer's facts once (same type, settings and input shapes);
what depends on the position in the graph — the receptive field — must still be per node."""


def test_stacked_identical_convs_keep_their_own_receptive_fields(inline):
    # Seed fact: three stacked 3×3 convolutions (stride 1) see a 7×7 region: 3, 5, 7.
    result = inline("""
        input: 8x32x32
        layers:
          - conv: {name: c, out: 8, kernel: 3, padding: 1}
            repeat: 3
    """)
    fields = [int(result.rows[f"c_{i}"].receptive_field()[0]) for i in (1, 2, 3)]
    assert fields == [3, 5, 7]
    assert [result.params(f"c_{i}") for i in (1, 2, 3)] == [8 * 8 * 9 + 8] * 3


def test_repeated_layers_on_several_input_sizes(inline):
    # 2×2 pooling twice: 32 → 16 → 8 and 20 → 10 → 5; conv MACs H·W·out·in·k² per size.
    result = inline("""
        input: 4x32x32
        layers:
          - maxpool: {name: p, kernel: 2}
            repeat: 2
          - conv: {name: c, out: 4, kernel: 1}
    """, inputs=[(4, 32, 32), (4, 20, 20)])
    assert result.shape("p_2", 0) == (4, 8, 8) and result.shape("p_2", 1) == (4, 5, 5)
    macs = result.rows["c"].macs
    assert [int(m) for m in macs] == [8 * 8 * 4 * 4, 5 * 5 * 4 * 4]
