// Hand-written reference of the dense output-stationary array, in the straightforward style an
// engineer writes without a generator: a parameterised PE module, generate loops, 2-D wire
// arrays, a dynamic index for the read-out. Same ports and behaviour as hwgen's
// osarray_r<R>_c<C>_d<DW>_a<AW>: an invalid beat enters as zeros; operands and the last-beat
// flag move east/south one PE per cycle; each PE accumulates every beat, and the beat after a
// last beat starts a new tile while the finished one moves to a result register; a registered
// row multiplexer reads the results; tile_done flags the last PE's finished tile. Used only by
// Scripts/bench-cosim (case d) as the baseline for simulation speed; the benchmark checks it
// computes the same outputs as the emitted design.
module osarray_hand_pe #(parameter DW = 8, parameter AW = 32) (
  input  wire clk,
  input  wire rst,
  input  wire signed [DW-1:0] in_a,
  input  wire signed [DW-1:0] in_b,
  input  wire in_last,
  output reg  signed [DW-1:0] out_a,
  output reg  signed [DW-1:0] out_b,
  output reg  out_last,
  output reg  signed [AW-1:0] result
);
  reg signed [AW-1:0] acc;
  wire signed [2*DW-1:0] prod = in_a * in_b;
  wire signed [AW-1:0] term = {{(AW-2*DW){prod[2*DW-1]}}, prod};
  always @(posedge clk) begin
    // out_last is also "the previous beat here closed a tile".
    if (out_last) result <= acc;
    if (rst) begin
      out_a <= 0;
      out_b <= 0;
      out_last <= 0;
      acc <= 0;
    end else begin
      out_a <= in_a;
      out_b <= in_b;
      out_last <= in_last;
      acc <= out_last ? term : acc + term;
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
  wire          l     [0:R-1][0:C];
  wire [DW-1:0] b     [0:R][0:C-1];
  wire [AW-1:0] res   [0:R-1][0:C-1];
  genvar r, c;
  generate
    for (r = 0; r < R; r = r + 1) begin : g_row
      assign a[r][0] = in_valid[r] ? in_row[r*DW +: DW] : {DW{1'b0}};
      assign l[r][0] = in_valid[r] & in_last[r];
      for (c = 0; c < C; c = c + 1) begin : g_col
        osarray_hand_pe #(.DW(DW), .AW(AW)) pe (
          .clk(clk), .rst(rst),
          .in_a(a[r][c]), .in_b(b[r][c]), .in_last(l[r][c]),
          .out_a(a[r][c+1]), .out_b(b[r+1][c]), .out_last(l[r][c+1]),
          .result(res[r][c]));
      end
    end
    for (c = 0; c < C; c = c + 1) begin : g_out
      assign b[0][c] = in_col[c*DW +: DW];
      always @(posedge clk) rd_data[c*AW +: AW] <= res[rd_row][c];
    end
  endgenerate
  reg done_q;
  always @(posedge clk) done_q <= rst ? 1'b0 : l[R-1][C];
  assign tile_done = done_q;
endmodule
