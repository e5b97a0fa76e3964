/** Who is calling: the verified subject of the access token and its organisation. */
export interface Caller {
  subject: string;
  resourceOwner: string;
}
