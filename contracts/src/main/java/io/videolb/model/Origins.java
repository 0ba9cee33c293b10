package io.videolb.model;

/**
 * Tells the validation rules where each entity was written, so that a cross-entity error
 * (a dangling mark, a backup cycle) names the operator's file and line.
 */
public interface Origins {
    Origin param(String name);

    Origin client(Ipv4Network client);

    Origin pool(Fwmark mark);

    Origin backup(Ipv4Address server);

    /** Every entity comes from the same place, e.g. one API request. */
    static Origins everywhere(Origin origin) {
        return new Origins() {
            @Override
            public Origin param(String name) {
                return origin;
            }

            @Override
            public Origin client(Ipv4Network client) {
                return origin;
            }

            @Override
            public Origin pool(Fwmark mark) {
                return origin;
            }

            @Override
            public Origin backup(Ipv4Address server) {
                return origin;
            }
        };
    }
}
