// The one gRPC-Web transport to the Envoy edge (binary format: grpcio cannot serve grpc-web+json),
// with the access token attached and one transparent refresh-and-retry on UNAUTHENTICATED.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import type { DescService } from "@bufbuild/protobuf";
import { edgeUrl } from "./config";
import { session } from "./session";

const auth: Interceptor = (next) => async (req) => {
  const token = session.accessToken();
  if (token) req.header.set("authorization", `Bearer ${token}`);
  try {
    return await next(req);
  } catch (err) {
    // An expired access token (e.g. after the laptop slept through the refresh timer): refresh once.
    const e = ConnectError.from(err);
    if (e.code !== Code.Unauthenticated || !token || !(await session.refresh())) throw err;
    req.header.set("authorization", `Bearer ${session.accessToken()}`);
    return await next(req);
  }
};

export const transport = createGrpcWebTransport({
  baseUrl: edgeUrl,
  useBinaryFormat: true,
  interceptors: [auth],
});

const clients = new Map<DescService, unknown>();
/** A typed client for any service of gen/sdk/ts, created once. */
export function client<T extends DescService>(service: T): Client<T> {
  let c = clients.get(service);
  if (!c) clients.set(service, (c = createClient(service, transport)));
  return c as Client<T>;
}
