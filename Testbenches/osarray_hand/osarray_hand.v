// Hand-written reference of the dense output-stationary array, in the straightforward style an
// engineer writes without a generator: a parameterised PE module, generate loops, 2-D wire
// arrays, a dynamic index for the read-out. Same ports and behaviour as hwgen's
// osarray_r<R>_c<C>_d<DW>_a<AW>: operands and per-row beat flags (valid, last) move east/south
// one PE per cycle; each PE accumulates valid beats and moves the finished tile to a result
// register on the last; a registered row multiplexer reads the results; tile_done flags the
// last PE's finished tile. Used only by Scripts/bench-cosim (case d) as the baseline for
// simulation speed; the benchmark checks it computes the same outputs as the emitted design.
module osarray_hand_pe #(parameter DW = 8, parameter AW = 32) (
  input  wire clk,
  input  wire rst,
  input  wire signed [DW-1:0] in_a,
  input  wire signed [DW-1:0] in_b,
  input  wire in_valid,
  input  wire in_last,
  output reg  signed [DW-1:0] out_a,
  output reg  signed [DW-1:0] out_b,
  output reg  out_valid,
  output reg  out_last,
  output reg  signed [AW-1:0] result
);
  reg signed [AW-1:0] acc;
  wire signed [2*DW-1:0] prod = in_a * in_b;
  wire signed [AW-1:0] next = acc + {{(AW-2*DW){prod[2*DW-1]}}, prod};
  always @(posedge clk) begin
    out_a <= in_a;
    out_b <= in_b;
    out_last <= in_last;
    if (rst) begin
      out_valid <= 0;
      acc <= 0;
    end else begin
      out_valid <= in_valid;
      if (in_valid) begin
        acc <= in_last ? 0 : next;
        if (in_last) result <= next;
      end
    end
  end
endmodule

module osarray_hand #(parameter R = 16, parameter C = 16, parameter DW = 8, parameter AW = 32) (
  input  wire clk,
  input  wire rst,
  input  wire [R*DW-1:0] in_row,
  input  wire [C*DW-1:0] in_col,
  input  wire [R-1:0] in_valid,
  input  wire [R-1:0] in_last,
  input  wire [(R > 1 ? $clog2(R) : 1)-1:0] rd_row,
  output reg  [C*AW-1:0] rd_data,
  output wire tile_done
);
  wire [DW-1:0] a     [0:R-1][0:C];
  wire          v     [0:R-1][0:C];
  wire          l     [0:R-1][0:C];
  wire [DW-1:0] b     [0:R][0:C-1];
  wire [AW-1:0] res   [0:R-1][0:C-1];
  genvar r, c;
  generate
    for (r = 0; r < R; r = r + 1) begin : g_row
      assign a[r][0] = in_row[r*DW +: DW];
      assign v[r][0] = in_valid[r];
      assign l[r][0] = in_last[r];
      for (c = 0; c < C; c = c + 1) begin : g_col
        osarray_hand_pe #(.DW(DW), .AW(AW)) pe (
          .clk(clk), .rst(rst),
          .in_a(a[r][c]), .in_b(b[r][c]), .in_valid(v[r][c]), .in_last(l[r][c]),
          .out_a(a[r][c+1]), .out_b(b[r+1][c]), .out_valid(v[r][c+1]), .out_last(l[r][c+1]),
          .result(res[r][c]));
      end
    end
    for (c = 0; c < C; c = c + 1) begin : g_out
      assign b[0][c] = in_col[c*DW +: DW];
      always @(posedge clk) rd_data[c*AW +: AW] <= res[rd_row][c];
    end
  endgenerate
  assign tile_done = v[R-1][C] & l[R-1][C];
endmodule
