// Hand-written reference of the dense output-stationary array, in the straightforward style an
// engineer writes without a generator: a parameterised PE module, generate loops, 2-D wire
// arrays, a dynamic index for the read-out. Same ports and behaviour as hwgen's
// osarray_r<R>_c<C>_d<DW>_a<AW>. Used only by Scripts/bench-cosim (case d) as the baseline for
// simulation speed; the benchmark checks it computes the same outputs as the emitted design.
module osarray_hand_pe #(parameter DW = 8, parameter AW = 32) (
  input  wire clk,
  input  wire rst,
  input  wire en,
  input  wire clear,
  input  wire signed [DW-1:0] in_a,
  input  wire signed [DW-1:0] in_b,
  output reg  signed [DW-1:0] out_a,
  output reg  signed [DW-1:0] out_b,
  output reg  signed [AW-1:0] acc
);
  wire signed [2*DW-1:0] prod = in_a * in_b;
  always @(posedge clk) begin
    if (rst) begin
      out_a <= 0;
      out_b <= 0;
      acc <= 0;
    end else begin
      if (en) begin
        out_a <= in_a;
        out_b <= in_b;
      end
      if (clear) acc <= 0;
      else if (en) acc <= acc + {{(AW-2*DW){prod[2*DW-1]}}, prod};
    end
  end
endmodule

module osarray_hand #(parameter R = 16, parameter C = 16, parameter DW = 8, parameter AW = 32) (
  input  wire clk,
  input  wire rst,
  input  wire en,
  input  wire clear,
  input  wire [R*DW-1:0] in_row,
  input  wire [C*DW-1:0] in_col,
  input  wire [(R > 1 ? $clog2(R) : 1)-1:0] row_sel,
  output wire [C*AW-1:0] row_out
);
  wire [DW-1:0] a   [0:R-1][0:C];
  wire [DW-1:0] b   [0:R][0:C-1];
  wire [AW-1:0] acc [0:R-1][0:C-1];
  genvar r, c;
  generate
    for (r = 0; r < R; r = r + 1) begin : g_row
      assign a[r][0] = in_row[r*DW +: DW];
      for (c = 0; c < C; c = c + 1) begin : g_col
        osarray_hand_pe #(.DW(DW), .AW(AW)) pe (
          .clk(clk), .rst(rst), .en(en), .clear(clear),
          .in_a(a[r][c]), .in_b(b[r][c]),
          .out_a(a[r][c+1]), .out_b(b[r+1][c]), .acc(acc[r][c]));
      end
    end
    for (c = 0; c < C; c = c + 1) begin : g_out
      assign b[0][c] = in_col[c*DW +: DW];
      assign row_out[c*AW +: AW] = acc[row_sel][c];
    end
  endgenerate
endmodule
