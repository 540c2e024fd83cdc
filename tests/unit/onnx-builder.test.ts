import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { DataType, GraphBuilder, attr, buildModel } from '../fixtures/onnx-builder.js';

async function session(g: GraphBuilder) {
  return ort.InferenceSession.create(buildModel(g));
}

describe('onnx-builder', () => {
  it('builds Add/Mul with an initializer and symbolic dims', async () => {
    const g = new GraphBuilder('addmul');
    const x = g.input('x', 'float32', [1, 'n']);
    const y = g.op1('Mul', [g.op1('Add', [x, g.constF32([1])]), g.constF32([2])]);
    g.output('y', 'float32', [1, 'n'], y);
    const s = await session(g);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y']);
    const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([4, 6, 8]);
  });

  it('reports input metadata (type and rank) the signature check reads', async () => {
    const g = new GraphBuilder('meta');
    const a = g.input('a', 'int64', [1, 't']);
    g.output('b', 'int64', [1, 't'], g.op1('Identity', [a]));
    const s = await session(g);
    const meta = (s as unknown as { inputMetadata: { name: string; type: string; shape: unknown[] }[] })
      .inputMetadata[0];
    expect(meta.name).toBe('a');
    expect(meta.type).toBe('int64');
    expect(meta.shape).toHaveLength(2);
  });

  it('supports Cast, Less, Where, Concat, Slice, ReduceSum, Shape, Gather, Range, Expand, Reshape, IsNaN, bool', async () => {
    const g = new GraphBuilder('ops');
    const x = g.input('x', 'float32', [1, 'n']);
    const flag = g.input('flag', 'bool', [1]);
    const clean = g.op1('Where', [g.op1('IsNaN', [x]), g.constF32([0]), x]);
    const sum = g.op1('ReduceSum', [clean, g.constI64([1])], { keepdims: attr.int(1) });
    const n = g.op1('Gather', [g.op1('Shape', [x]), g.constI64([1], [])], { axis: attr.int(0) });
    const range = g.op1('Cast', [g.op1('Range', [g.constI64([0], []), n, g.constI64([1], [])])], {
      to: attr.int(DataType.FLOAT),
    });
    const r2 = g.op1('Reshape', [range, g.constI64([1, -1])]);
    const cat = g.op1('Concat', [sum, r2], { axis: attr.int(1) });
    const first2 = g.op1('Slice', [cat, g.constI64([0]), g.constI64([2]), g.constI64([1])]);
    const less = g.op1('Cast', [g.op1('Less', [first2, g.constF32([1])])], { to: attr.int(DataType.FLOAT) });
    const ex = g.op1('Expand', [g.constF32([7]), g.constI64([1, 3])]);
    g.output('cat', 'float32', undefined, cat);
    g.output('first2', 'float32', undefined, first2);
    g.output('less', 'float32', undefined, less);
    g.output('ex', 'float32', undefined, ex);
    g.output('nflag', 'bool', [1], g.op1('Not', [flag]));
    const s = await session(g);
    const out = await s.run({
      x: new ort.Tensor('float32', Float32Array.from([NaN, 2, 3]), [1, 3]),
      flag: new ort.Tensor('bool', Uint8Array.from([1]), [1]),
    });
    expect(Array.from(out.cat.data as Float32Array)).toEqual([5, 0, 1, 2]);
    expect(Array.from(out.first2.data as Float32Array)).toEqual([5, 0]);
    expect(Array.from(out.less.data as Float32Array)).toEqual([0, 1]);
    expect(Array.from(out.ex.data as Float32Array)).toEqual([7, 7, 7]);
    expect(Array.from(out.nflag.data as Uint8Array)).toEqual([0]);
  });

  it('accepts zero-element tensors as inputs', async () => {
    const g = new GraphBuilder('empty');
    const e = g.input('e', 'float32', [1, 4, 0]);
    g.output('e_out', 'float32', [1, 4, 0], g.op1('Identity', [e]));
    const s = await session(g);
    const out = await s.run({ e: new ort.Tensor('float32', new Float32Array(0), [1, 4, 0]) });
    expect(out.e_out.dims).toEqual([1, 4, 0]);
  });
});
